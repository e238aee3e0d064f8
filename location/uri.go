package location

// URIToPath returns the local file path that a file URI names, cleaned,
// by this machine's rules (Host.URIToPath).
func URIToPath(uri string) (string, error) { return Host.URIToPath(uri) }

// PathToURI returns the file URI of a local path, percent-encoded as gopls
// encodes it (Host.PathToURI). A relative path is taken relative to the
// working directory.
func PathToURI(path string) string { return Host.PathToURI(path) }
