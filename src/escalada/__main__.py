from escalada.entrypoints.cli import main

main()
