import sys

from photoseek.launcher import main

sys.exit(main())
