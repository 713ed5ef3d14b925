from display.cli import main

raise SystemExit(main())
