import os

# scikit-learn's check_array_api_input runs only when SciPy's array API support is
# switched on, which SciPy reads once at import: set it before anything imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
