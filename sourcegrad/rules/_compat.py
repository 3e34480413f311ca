"""Names that exist only in some numpy/Python versions, looked up in one place."""
import importlib


def available(module, *names):
    """The callables ``module.<name>`` (dotted names allowed) that exist in this version.

    ``available(np, "linalg.vecdot", "vecdot")`` is empty on numpy 1.x and both on numpy 2.x,
    so a rule registers exactly the spellings the installed numpy has.
    """
    if isinstance(module, str):
        module = importlib.import_module(module)
    found = []
    for name in names:
        obj = module
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None and obj not in found:
            found.append(obj)
    return found
