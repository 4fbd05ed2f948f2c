"""Every procedure the product serves, each declared once in its module here (api/kinds.py). Importing this
package registers them, in the order below (the console's menus, tabs and filters follow it); a new procedure is
one module and one line."""

# isort: off
from api.procedures import reopening  # noqa: F401  (each module registers its kind)
from api.procedures import transfer  # noqa: F401
from api.procedures import grant  # noqa: F401
from api.procedures import campaign  # noqa: F401
from api.procedures import rectification  # noqa: F401
from api.procedures import closure  # noqa: F401
from api.procedures import countersign  # noqa: F401  (the countersign moves' registry facts)
# isort: on
