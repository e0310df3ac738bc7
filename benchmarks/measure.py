"""Run one command as a child process; write its wall time, peak RSS and exit code to a file.

tag_speed.py starts every measured command through this wrapper because Linux counts the
memory of the forking parent in the child's ru_maxrss: forked from the small wrapper, the
child's peak RSS is its own. Usage: python -I -S measure.py RESULT_FILE COMMAND [ARG ...]
"""

import os
import sys
import time

if len(sys.argv) < 3 or sys.argv[1].startswith("-"):  # `measure.py --help` wrote its result to a file named --help
    print(__doc__.strip(), file=sys.stderr)
    sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
result_path, command = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        print(f"{command[0]}: {exc}", file=sys.stderr)
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(result_path, "w") as out:
    out.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\n")
