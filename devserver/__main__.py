import sys

from devserver.run import main

sys.exit(main())
