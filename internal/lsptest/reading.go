package lsptest

// Reading is a Go module for editors' tests (a txtar archive), not a git
// repository: three jumps lead from main.go into the sub-package greet
// (greet.go, prefix.go, word.go), and a fourth from word.go back to
// greet.go. Hello's doc comment shows in its hover.
const Reading = `
-- go.mod --
module example.com/reading

go 1.22
-- main.go --
package main

import "example.com/reading/greet"

func main() {
	println(greet.Hello("world"))
}
-- greet/greet.go --
package greet

// Hello greets someone.
func Hello(name string) string {
	return prefix() + name
}
-- greet/prefix.go --
package greet

func prefix() string { return string(greeting) }

const greeting Word = "hello, "
-- greet/word.go --
package greet

// Word is a word of a greeting.
type Word string

// Twice greets someone twice.
func (w Word) Twice(name string) string { return Hello(name) + Hello(name) }
`
