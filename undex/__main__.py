from undex.cli import main

if __name__ == "__main__":  # worker processes (multiprocessing spawn, Dask) re-import this module
    main()
