from undex.cli import main

main()
