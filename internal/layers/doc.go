// Package layers holds no code: its test checks the module's layering
// rules, the ones that keep transport, protocol and policy apart, with the
// go command's own view of the imports (go list -deps).
package layers
