//go:build !linux

package relayio

import (
	"io"
	"os"
)

func wrap(*os.File) (io.ReadWriteCloser, bool) { return nil, false }
