"""Progress bars for long work: on a terminal only, silent in CI and pipes."""

from tqdm import tqdm


def progress_bar(total: int | None, desc: str, unit: str = "doc", show: bool = True) -> tqdm:
    # disable=None turns the bar off when stderr is not a TTY
    return tqdm(total=total, desc=desc, unit=unit, disable=None if show else True, leave=False, dynamic_ncols=True)
