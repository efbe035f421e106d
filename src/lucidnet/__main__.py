"""``python -m lucidnet``: the same as the ``lucidnet`` command."""

import sys

from lucidnet.cli import main

sys.exit(main())
