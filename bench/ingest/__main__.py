from bench.ingest.run import main

main()
