package main

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// firstLinksFile keeps the join keys of the hub's first session in its data
// directory, readable by the hub's user alone, so that "lspshare hub"
// prints the same links after a restart.
const firstLinksFile = "first-session.json"

// firstKeys is the content of firstLinksFile.
type firstKeys struct {
	Session string `json:"session"`
	Drive   string `json:"drive_key"`
	Attend  string `json:"attend_key"`
}

// defaultDataDir is where a hub keeps its store: $XDG_STATE_HOME/lspshare,
// or ~/.local/state/lspshare.
func defaultDataDir() string {
	if dir := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "lspshare")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "lspshare")
	}
	return filepath.Join(os.TempDir(), "lspshare-state")
}

// saveFirstLinks writes the keys of links to firstLinksFile, atomically and
// readable by this user alone.
func saveFirstLinks(dataDir string, links wire.Links) error {
	_, _, drive, err := wire.ParseLink(links.Drive)
	if err != nil {
		return err
	}
	_, _, attend, err := wire.ParseLink(links.Attend)
	if err != nil {
		return err
	}
	data, err := json.Marshal(firstKeys{Session: links.Session, Drive: drive, Attend: attend})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dataDir, firstLinksFile+".*")
	if err != nil {
		return fmt.Errorf("save the first session's links: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save the first session's links: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save the first session's links: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dataDir, firstLinksFile)); err != nil {
		return fmt.Errorf("save the first session's links: %w", err)
	}
	return nil
}

// loadFirstLinks returns the links of the named session kept in
// firstLinksFile, if it holds keys the store accepts for that session.
func loadFirstLinks(dataDir string, db store.Store, name, base string) (wire.Links, bool) {
	data, err := os.ReadFile(filepath.Join(dataDir, firstLinksFile))
	if err != nil {
		return wire.Links{}, false
	}
	var k firstKeys
	if json.Unmarshal(data, &k) != nil || k.Session != name {
		return wire.Links{}, false
	}
	rec, ok, err := db.Session(name)
	if err != nil || !ok || !hashIs(rec.DriveHash, k.Drive) || !hashIs(rec.AttendHash, k.Attend) {
		return wire.Links{}, false
	}
	return wire.MakeLinks(base, name, k.Drive, k.Attend), true
}

func hashIs(h store.KeyHash, key string) bool {
	got := store.HashKey(key)
	return subtle.ConstantTimeCompare(got[:], h[:]) == 1
}

// forgetFirstLinks removes firstLinksFile if it holds the named session.
func forgetFirstLinks(dataDir, name string) error {
	path := filepath.Join(dataDir, firstLinksFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var k firstKeys
	if json.Unmarshal(data, &k) == nil && k.Session != name {
		return nil
	}
	return os.Remove(path)
}
