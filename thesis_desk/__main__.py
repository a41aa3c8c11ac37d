from thesis_desk.cli import main

raise SystemExit(main())
