package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hostLspshare builds lspshare for this machine the way scripts/dist.sh
// builds it and returns the path, named as dist.sh names it, and the
// VS Code target of this machine.
func hostLspshare(t *testing.T) (bin, target string) {
	t.Helper()
	for name, p := range vscodeTargets {
		if p == [2]string{runtime.GOOS, runtime.GOARCH} {
			target = name
		}
	}
	if target == "" || runtime.GOOS == "windows" {
		t.Skipf("no test for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	bin = filepath.Join(t.TempDir(), "lspshare_"+runtime.GOOS+"_"+runtime.GOARCH)
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "github.com/lspshare/lspshare/cmd/lspshare")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin, target
}

func TestCheckBinary(t *testing.T) {
	bin, _ := hostLspshare(t)
	if _, err := check(bin); err != nil {
		t.Errorf("dist's own build: %v", err)
	}
	dir := t.TempDir()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	other := "lspshare_darwin_arm64"
	if runtime.GOOS == "darwin" {
		other = "lspshare_linux_amd64"
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	selfData, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{other, data, "want " + strings.ReplaceAll(strings.TrimPrefix(other, "lspshare_"), "_", "/")},
		{"lspshare_windows_amd64", data, ".exe is for Windows only"},
		{"lspshare_linux.exe", data, "not a name"},
		{filepath.Base(bin), selfData, "not of lspshare"},
		{filepath.Base(bin), []byte("#!/bin/sh\n"), "neither ELF"},
	} {
		file := filepath.Join(dir, c.name)
		if err := os.WriteFile(file, c.data, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := check(file); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// entry is a file of a test .vsix.
type entry struct {
	name string
	mode os.FileMode
	data []byte
}

func writeVSIX(t *testing.T, file string, entries []entry) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := z.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func manifest(target string) entry {
	return entry{"extension.vsixmanifest", 0o644, []byte(`<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011">
	<Metadata><Identity Language="en-US" Id="lspshare" Version="0.1.0" Publisher="lspshare" TargetPlatform="` + target + `"/></Metadata>
</PackageManifest>`)}
}

func TestCheckVSIX(t *testing.T) {
	bin, target := hostLspshare(t)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	js := entry{"extension/out/src/extension.js", 0o644, []byte("'use strict';\n")}
	good := entry{"extension/bin/lspshare", 0o755, data}
	for _, c := range []struct {
		name    string
		entries []entry
		want    string // empty: passes
	}{
		{"good", []entry{manifest(target), js, good}, ""},
		{"no binary", []entry{manifest(target), js}, "found 0"},
		{"two binaries", []entry{manifest(target), js, good, {"extension/node_modules/x/bin/tool", 0o755, data}}, "found 2"},
		{"a script named lspshare too", []entry{manifest(target), js, good, {"extension/lspshare", 0o755, []byte("#!/bin/sh\n")}}, "found 2"},
		{"binary elsewhere", []entry{manifest(target), js, {"extension/lspshare-bin", 0o755, data}}, "want extension/bin/lspshare"},
		{"no execute bits", []entry{manifest(target), js, {"extension/bin/lspshare", 0o644, data}}, "without execute bits"},
		{"undeclared target", []entry{manifest(""), js, good}, `declares target ""`},
	} {
		file := filepath.Join(t.TempDir(), "lspshare-"+target+".vsix")
		writeVSIX(t, file, c.entries)
		_, err := check(file)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got error %v, want one saying %q", c.name, err, c.want)
		}
	}
	// Another platform's package with this machine's binary.
	other := "darwin-arm64"
	if runtime.GOOS == "darwin" {
		other = "linux-x64"
	}
	file := filepath.Join(t.TempDir(), "lspshare-"+other+".vsix")
	writeVSIX(t, file, []entry{manifest(other), js, good})
	p := vscodeTargets[other]
	if _, err := check(file); err == nil || !strings.Contains(err.Error(), "want "+p[0]+"/"+p[1]) {
		t.Errorf("%s package with a %s binary: got error %v", other, target, err)
	}
}
