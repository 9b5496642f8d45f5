"""Runs a command on a new pseudo-terminal, as a terminal emulator would.

Usage: python3 pty-driver.py COLUMNS ROWS COMMAND [ARGUMENT...]

The command is the session leader of the terminal (so Ctrl-C typed on it is SIGINT for its
process group, as in a real terminal), sees COLUMNS x ROWS as its window size, and gets on
its stdin, stdout and stderr the terminal's slave side. This script relays its own stdin to the
terminal (what the person types) and the terminal's output to its own stdout (what the screen
receives), and exits with the command's exit code (128 + the signal when a signal ended it).
SIGTERM to this script kills the command's process group.
"""

import errno
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time

# After the command exits, output still held by the terminal is relayed for this long at most
# (a background process of the command may keep the terminal open).
DRAIN_SECONDS = 1.0


def write_all(fd, data):
    while data:
        written = os.write(fd, data)
        data = data[written:]


def spawn(command, columns, rows):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(command[0], command)
        except OSError as error:
            os.write(2, f"pty-driver: cannot run {command[0]}: {error}\n".encode())
            os._exit(127)
    os.close(slave)
    return pid, master


def relay(pid, master):
    stdin_open = True
    status = None
    exited_at = None
    while True:
        readable = [master] + ([0] if stdin_open else [])
        try:
            ready, _, _ = select.select(readable, [], [], 0.05)
        except InterruptedError:
            continue
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError as error:
                if error.errno != errno.EIO:
                    raise
                data = b""
            if not data:
                break
            write_all(1, data)
        if 0 in ready:
            data = os.read(0, 4096)
            if data:
                write_all(master, data)
            else:
                stdin_open = False
        if status is None:
            done, waited = os.waitpid(pid, os.WNOHANG)
            if done:
                status = waited
                exited_at = time.monotonic()
        elif not ready and time.monotonic() - exited_at > DRAIN_SECONDS:
            break
    if status is None:
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def main():
    columns, rows = int(sys.argv[1]), int(sys.argv[2])
    pid, master = spawn(sys.argv[3:], columns, rows)

    def stop(_signum, _frame):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, stop)
    sys.exit(relay(pid, master))


if __name__ == "__main__":
    main()
