# LibTorch is used only inside the compiled library (src/); no public header includes it.
find_package(Torch REQUIRED)
