import multiprocessing
import os


def square(x):
    return x * x


if __name__ == "__main__":
    pid = os.fork()
    if pid == 0:
        print("child", flush=True)
        os._exit(7)
    _, status = os.waitpid(pid, 0)
    print("parent saw", os.waitstatus_to_exitcode(status), flush=True)
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            print(pool.map(square, range(6)))
    except Exception as e:  # noqa: BLE001 - report, the same way in both modes
        print("pool failed:", type(e).__name__)
