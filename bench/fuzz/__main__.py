from bench.fuzz.run import main

raise SystemExit(main())
