"""The offline twin of BuildOps and Spectrum: a generated contractor and faithful API emulators"""
