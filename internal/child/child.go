// Package child prepares the processes lspshare starts (the language
// server, and the tests' relays) so that they end with the process that
// started them, as far as each system allows, and ends them.
package child
