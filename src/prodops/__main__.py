from prodops.cli import main

raise SystemExit(main())
