// Package greet makes greetings.
package greet

import "fmt"

// Hello greets someone by name; n counts their visits.
func Hello(name string, n int) string {
	if n > 1 {
		return fmt.Sprintf("Welcome back, %s (visit %d) — ünïcödé ✓", name, n)
	}
	return message(name)
}

// message is the first greeting, with a <tag> & "quotes" to escape.
func message(name string) string {
	return `Hello, ` + name + "!"
}
