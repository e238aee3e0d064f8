// Package codetour checks .tour files, the format of the VS Code extension
// CodeTour, for tests: lspshare writes tours (notes.WriteTour) that
// CodeTour must read.
package codetour

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"strings"
)

// codeTour mirrors CodeTour's schema for .tour files (schema.json of
// github.com/microsoft/codetour at 29955a004445d3fd2ad5df35dd00f9cc0400ba7d):
// every property it defines, with its JSON type. Pointers tell a missing
// or null property from a zero one.
type codeTour struct {
	Title       *string         `json:"title"` // required
	Description *string         `json:"description"`
	Ref         *string         `json:"ref"`
	IsPrimary   *bool           `json:"isPrimary"`
	Steps       *[]codeTourStep `json:"steps"` // required
	StepMarker  *string         `json:"stepMarker"`
	NextTour    *string         `json:"nextTour"`
	When        *string         `json:"when"`
}

type codeTourStep struct {
	File        *string            `json:"file"`
	Directory   *string            `json:"directory"`
	View        *string            `json:"view"`
	URI         *string            `json:"uri"`
	Line        *float64           `json:"line"` // "number"
	Pattern     *string            `json:"pattern"`
	Title       *string            `json:"title"`
	Description *string            `json:"description"` // required
	Selection   *codeTourSelection `json:"selection"`
	Commands    *[]string          `json:"commands"`
}

type codeTourSelection struct {
	Start *codeTourPosition `json:"start"` // required
	End   *codeTourPosition `json:"end"`   // required
}

type codeTourPosition struct {
	Line      *float64 `json:"line"`      // required, 1-based
	Character *float64 `json:"character"` // required, 1-based
}

// Check checks a .tour file against CodeTour's schema: JSON with
// only the schema's properties, each of its type, the required ones
// present. Stricter than the schema, which lets unknown properties pass,
// it refuses those too, as a misspelt one would be silently ignored by
// CodeTour; and it checks what the schema says in words: lines are
// 1-based whole numbers, a step is tied to at most one of file, directory
// and uri, and a file is relative to the workspace root, with slashes.
func Check(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t codeTour
	if err := dec.Decode(&t); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	if t.Title == nil {
		return errors.New("no title")
	}
	if t.Steps == nil {
		return errors.New("no steps")
	}
	for i, s := range *t.Steps {
		if err := checkStep(s); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	return nil
}

func checkStep(s codeTourStep) error {
	if s.Description == nil {
		return errors.New("no description")
	}
	tied := 0
	for _, p := range []*string{s.File, s.Directory, s.URI} {
		if p != nil {
			tied++
		}
	}
	if tied > 1 {
		return errors.New("more than one of file, directory and uri")
	}
	if s.File != nil {
		f := *s.File
		if f == "" || path.IsAbs(f) || strings.Contains(f, `\`) || path.Clean(f) != f || strings.HasPrefix(f, "../") {
			return fmt.Errorf("file %q is not a clean path relative to the workspace root", f)
		}
	}
	if s.Line != nil && !oneBased(*s.Line) {
		return fmt.Errorf("line %v is not a 1-based line number", *s.Line)
	}
	if sel := s.Selection; sel != nil {
		for _, p := range []*codeTourPosition{sel.Start, sel.End} {
			if p == nil || p.Line == nil || p.Character == nil {
				return errors.New("a selection needs start and end, each with line and character")
			}
			if !oneBased(*p.Line) || !oneBased(*p.Character) {
				return fmt.Errorf("selection position %v:%v is not 1-based", *p.Line, *p.Character)
			}
		}
	}
	return nil
}

func oneBased(n float64) bool { return n >= 1 && n == math.Trunc(n) }
