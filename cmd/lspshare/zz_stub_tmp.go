package main

// TEMPORARY stubs until session's hub.go/new.go land; the session helper deletes this file.

import (
	"context"
	"errors"
	"io"
)

func runHub(context.Context, []string, io.Writer, io.Writer) error { return errors.New("not yet") }
func runNew(context.Context, []string, io.Writer, io.Writer) error { return errors.New("not yet") }
