package lsptest

import "testing"

// DemoFiles is a small module, example.com/app, with two packages: main
// (main.go) calls greet.Hello (greet/greet.go), the standard library
// (fmt.Println) and a module dependency (dep.Answer from example.com/dep,
// served by DemoModules). greet.go holds non-ASCII text, including a
// character outside the Basic Multilingual Plane, so that UTF-16 and byte
// columns differ there.
const DemoFiles = `
-- go.mod --
module example.com/app

go 1.22

require example.com/dep v1.0.0
-- main.go --
package main

import (
	"fmt"

	"example.com/app/greet"
	"example.com/dep"
)

func main() {
	msg := greet.Hello("world")
	fmt.Println(msg, dep.Answer())
	show(msg)
}

// show prints s.
func show(s string) {
	fmt.Println(s)
}
-- greet/greet.go --
// Package greet makes greetings.
package greet

// Hello returns a greeting for name.
func Hello(name string) string {
	return "héllo, 𝔤 " + name + suffix
}

const suffix = "!"
`

// DemoModules serves example.com/dep v1.0.0 for DemoFiles.
const DemoModules = `
-- example.com/dep@v1.0.0/go.mod --
module example.com/dep

go 1.22
-- example.com/dep@v1.0.0/dep.go --
// Package dep is a module dependency, served by the sandbox's own proxy.
package dep

// Answer returns the answer.
func Answer() int { return 42 }
`

// NewDemo returns a sandbox holding DemoFiles, with DemoModules in its
// module cache.
func NewDemo(t testing.TB) *Sandbox {
	t.Helper()
	return NewSandbox(t, SandboxConfig{Files: DemoFiles, Modules: DemoModules})
}
