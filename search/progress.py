"""Progress bars for long work: on a terminal only, silent in CI and pipes."""

from tqdm import tqdm


def progress_bar(total: int | None, desc: str, unit: str = "doc") -> tqdm:
    # disable=None turns the bar off when stderr is not a TTY
    return tqdm(total=total, desc=desc, unit=unit, disable=None, leave=False, dynamic_ncols=True)
