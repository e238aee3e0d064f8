// Command distcheck checks the files scripts/dist.sh makes, by what they
// hold rather than by their names alone:
//
//   - lspshare_GOOS_GOARCH[.exe]: an executable of that OS (ELF, Mach-O or
//     PE) and architecture, built with CGO_ENABLED=0 and -trimpath; static
//     on Linux, code-signed (ad hoc) on Apple silicon, which refuses to run
//     anything unsigned.
//   - lspshare-TARGET.vsix: a VS Code extension that declares TARGET and
//     holds exactly one executable, bin/lspshare (bin/lspshare.exe on
//     Windows), which passes the check above for TARGET's OS and
//     architecture and, outside Windows, keeps its execute bits.
//
// Usage: go run ./scripts/distcheck FILE...
package main

import (
	"archive/zip"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: distcheck FILE...")
		os.Exit(2)
	}
	failed := false
	for _, file := range os.Args[1:] {
		what, err := check(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "distcheck: %s: %v\n", file, err)
			failed = true
			continue
		}
		fmt.Printf("ok  %s: %s\n", filepath.Base(file), what)
	}
	if failed {
		os.Exit(1)
	}
}

// check checks one file by its name's kind and says what it found.
func check(file string) (string, error) {
	base := filepath.Base(file)
	if target, ok := strings.CutSuffix(strings.TrimPrefix(base, "lspshare-"), ".vsix"); ok && strings.HasPrefix(base, "lspshare-") {
		return checkVSIX(file, target)
	}
	goos, goarch, err := parseBinaryName(base)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return checkBinary(data, goos, goarch)
}

// parseBinaryName splits lspshare_GOOS_GOARCH[.exe]; only Windows binaries
// end in .exe.
func parseBinaryName(base string) (goos, goarch string, err error) {
	rest, exe := strings.CutSuffix(base, ".exe")
	parts := strings.Split(rest, "_")
	if len(parts) != 3 || parts[0] != "lspshare" {
		return "", "", fmt.Errorf("not a name scripts/dist.sh makes (lspshare_GOOS_GOARCH[.exe] or lspshare-TARGET.vsix)")
	}
	goos, goarch = parts[1], parts[2]
	if exe != (goos == "windows") {
		return "", "", fmt.Errorf("a %s binary named %s: .exe is for Windows only, and Windows needs it", goos, base)
	}
	return goos, goarch, nil
}

// vscodeTargets are the VS Code platforms (vsce package --target) and the
// Go platform whose binary each needs.
var vscodeTargets = map[string][2]string{
	"darwin-arm64": {"darwin", "arm64"},
	"darwin-x64":   {"darwin", "amd64"},
	"win32-x64":    {"windows", "amd64"},
	"win32-arm64":  {"windows", "arm64"},
	"linux-x64":    {"linux", "amd64"},
	"linux-arm64":  {"linux", "arm64"},
}

func checkVSIX(file, target string) (string, error) {
	platform, ok := vscodeTargets[target]
	if !ok {
		return "", fmt.Errorf("unknown VS Code target %q", target)
	}
	goos, goarch := platform[0], platform[1]
	z, err := zip.OpenReader(file)
	if err != nil {
		return "", err
	}
	defer z.Close()
	declared, err := declaredTarget(&z.Reader)
	if err != nil {
		return "", err
	}
	if declared != target {
		return "", fmt.Errorf("the manifest declares target %q, the name says %q", declared, target)
	}
	bin, err := onlyExecutable(&z.Reader)
	if err != nil {
		return "", err
	}
	want := "extension/bin/lspshare"
	if goos == "windows" {
		want += ".exe"
	}
	if bin.Name != want {
		return "", fmt.Errorf("its executable is %s, want %s", bin.Name, want)
	}
	if goos != "windows" && bin.Mode().Perm()&0o111 != 0o111 {
		return "", fmt.Errorf("%s has mode %v: VS Code would unpack it without execute bits", bin.Name, bin.Mode().Perm())
	}
	data, err := readEntry(bin, -1)
	if err != nil {
		return "", err
	}
	what, err := checkBinary(data, goos, goarch)
	if err != nil {
		return "", fmt.Errorf("%s: %w", bin.Name, err)
	}
	return fmt.Sprintf("target %s, one binary %s (%v): %s", target, strings.TrimPrefix(bin.Name, "extension/"), bin.Mode().Perm(), what), nil
}

// declaredTarget is the TargetPlatform of the package's manifest.
func declaredTarget(z *zip.Reader) (string, error) {
	f, err := z.Open("extension.vsixmanifest")
	if err != nil {
		return "", fmt.Errorf("no manifest: %w", err)
	}
	defer f.Close()
	var m struct {
		Identity struct {
			TargetPlatform string `xml:"TargetPlatform,attr"`
		} `xml:"Metadata>Identity"`
	}
	if err := xml.NewDecoder(f).Decode(&m); err != nil {
		return "", fmt.Errorf("manifest: %w", err)
	}
	return m.Identity.TargetPlatform, nil
}

// onlyExecutable is the one entry that is an executable or is named like
// lspshare's binary; none or several are an error.
func onlyExecutable(z *zip.Reader) (*zip.File, error) {
	var found []*zip.File
	for _, f := range z.File {
		if f.FileInfo().IsDir() {
			continue
		}
		head, err := readEntry(f, 4)
		if err != nil {
			return nil, err
		}
		if base := path.Base(f.Name); executableMagic(head) || base == "lspshare" || base == "lspshare.exe" {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		var names []string
		for _, f := range found {
			names = append(names, f.Name)
		}
		return nil, fmt.Errorf("want exactly one lspshare binary, found %d: %v", len(found), names)
	}
	return found[0], nil
}

// readEntry reads an entry, or its first n bytes when n >= 0.
func readEntry(f *zip.File, n int64) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer r.Close()
	if n >= 0 {
		r = io.NopCloser(io.LimitReader(r, n))
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return data, nil
}

func executableMagic(head []byte) bool {
	for _, m := range [][]byte{
		[]byte("\x7fELF"), []byte("MZ"),
		{0xfe, 0xed, 0xfa, 0xce}, {0xce, 0xfa, 0xed, 0xfe}, {0xfe, 0xed, 0xfa, 0xcf}, {0xcf, 0xfa, 0xed, 0xfe}, // Mach-O
		{0xca, 0xfe, 0xba, 0xbe}, // universal Mach-O
	} {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// checkBinary checks that data is lspshare for goos/goarch, built the way
// scripts/dist.sh builds it.
func checkBinary(data []byte, goos, goarch string) (string, error) {
	format, gotOS, gotArch, err := platformOf(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	if gotOS != goos || gotArch != goarch {
		return "", fmt.Errorf("a %s binary for %s/%s, want %s/%s", format, gotOS, gotArch, goos, goarch)
	}
	if err := checkBuild(bytes.NewReader(data), goos, goarch); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s/%s, %d bytes", format, goos, goarch, len(data)), nil
}

// platformOf reads the executable's header for its format, OS and
// architecture, and checks what that OS needs of it.
func platformOf(r io.ReaderAt) (format, goos, goarch string, err error) {
	if f, err := elf.NewFile(r); err == nil {
		arch := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				return "", "", "", errors.New("dynamically linked (built without CGO_ENABLED=0?): it would need this system's C library")
			}
		}
		return "ELF", "linux", arch, nil
	}
	if f, err := macho.NewFile(r); err == nil {
		arch := map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
		if arch == "arm64" && !codeSigned(f) {
			return "", "", "", errors.New("Mach-O arm64 without a code signature: macOS on Apple silicon would kill it")
		}
		return "Mach-O", "darwin", arch, nil
	}
	if f, err := pe.NewFile(r); err == nil {
		arch := map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
		return "PE", "windows", arch, nil
	}
	return "", "", "", errors.New("neither ELF, Mach-O nor PE")
}

// codeSigned reports whether a Mach-O file has an LC_CODE_SIGNATURE load
// command (the Go linker signs darwin/arm64 binaries ad hoc).
func codeSigned(f *macho.File) bool {
	const lcCodeSignature = 0x1d
	for _, l := range f.Loads {
		if raw := l.Raw(); len(raw) >= 4 && f.ByteOrder.Uint32(raw) == lcCodeSignature {
			return true
		}
	}
	return false
}

// checkBuild checks the build settings the go command recorded: the
// platform, CGO_ENABLED=0 and -trimpath. (With -trimpath it records no
// -ldflags, so the version stamp is checked by running the binary.)
func checkBuild(r io.ReaderAt, goos, goarch string) error {
	info, err := buildinfo.Read(r)
	if err != nil {
		return fmt.Errorf("no Go build information: %w", err)
	}
	if info.Path != "github.com/lspshare/lspshare/cmd/lspshare" {
		return fmt.Errorf("a build of %q, not of lspshare", info.Path)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for key, want := range map[string]string{"GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0", "-trimpath": "true"} {
		if settings[key] != want {
			return fmt.Errorf("built with %s=%q, want %q", key, settings[key], want)
		}
	}
	return nil
}
