from thesis_desk.launch import main

if __name__ == "__main__":  # not when a helper process imports its parent's main module
    raise SystemExit(main())
