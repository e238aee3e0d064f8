package proxy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/lspshare/lspshare/frame"
)

// initializeParams is the part of InitializeParams the proxy reads. It is
// decoded by hand because protocol v0.12.0 predates positionEncodings.
type initializeParams struct {
	ClientInfo *struct {
		Name string `json:"name"`
	} `json:"clientInfo"`
	RootURI          string `json:"rootUri"`
	RootPath         string `json:"rootPath"`
	WorkspaceFolders []struct {
		URI string `json:"uri"`
	} `json:"workspaceFolders"`
	Capabilities struct {
		General struct {
			PositionEncodings []string `json:"positionEncodings"`
		} `json:"general"`
		Window struct {
			ShowDocument struct {
				Support bool `json:"support"`
			} `json:"showDocument"`
		} `json:"window"`
	} `json:"capabilities"`
}

func (p *Proxy) recordClient(params json.RawMessage) {
	p.mu.Lock()
	p.initParams = params // replayed to a restarted server
	p.mu.Unlock()
	var ip initializeParams
	if err := json.Unmarshal(params, &ip); err != nil {
		p.log.Warn("unreadable initialize params", "err", err)
		return
	}
	c := EditorInfo{
		ShowDocument:      ip.Capabilities.Window.ShowDocument.Support,
		PositionEncodings: ip.Capabilities.General.PositionEncodings,
		PositionEncoding:  "utf-16",
	}
	if ip.ClientInfo != nil {
		c.Name = ip.ClientInfo.Name
	}
	for _, f := range ip.WorkspaceFolders {
		c.Roots = append(c.Roots, f.URI)
	}
	switch {
	case len(c.Roots) > 0:
	case ip.RootURI != "":
		c.Roots = []string{ip.RootURI}
	case ip.RootPath != "":
		c.Roots = []string{"file://" + ip.RootPath}
	}
	p.mu.Lock()
	p.editorInfo = c
	p.mu.Unlock()
}

// patchInitialize adds the proxy's commands to the server's
// executeCommandProvider and records the chosen position encoding. Only the
// objects on the way to the command list are re-encoded; every other value
// keeps the server's bytes.
func (p *Proxy) patchInitialize(msg frame.Message) ([]byte, error) {
	var result map[string]json.RawMessage
	if err := json.Unmarshal(msg.Result, &result); err != nil {
		return nil, fmt.Errorf("initialize result: %w", err)
	}
	var caps map[string]json.RawMessage
	if err := json.Unmarshal(result["capabilities"], &caps); err != nil || caps == nil {
		return nil, fmt.Errorf("initialize capabilities: %v", err)
	}
	var provider map[string]json.RawMessage
	if raw, ok := caps["executeCommandProvider"]; ok {
		if err := json.Unmarshal(raw, &provider); err != nil {
			return nil, fmt.Errorf("executeCommandProvider: %w", err)
		}
	}
	if provider == nil {
		provider = make(map[string]json.RawMessage)
	}
	var commands []string
	if raw, ok := provider["commands"]; ok {
		if err := json.Unmarshal(raw, &commands); err != nil {
			return nil, fmt.Errorf("executeCommandProvider.commands: %w", err)
		}
	}
	for _, name := range p.commandNames() {
		if !slices.Contains(commands, name) {
			commands = append(commands, name)
		}
	}
	var err error
	if provider["commands"], err = json.Marshal(commands); err != nil {
		return nil, err
	}
	if caps["executeCommandProvider"], err = json.Marshal(provider); err != nil {
		return nil, err
	}
	if result["capabilities"], err = json.Marshal(caps); err != nil {
		return nil, err
	}

	var enc string
	if raw, ok := caps["positionEncoding"]; ok {
		_ = json.Unmarshal(raw, &enc) // a malformed value leaves the LSP default
	}
	p.setInitialized(enc)
	return frame.Response(msg.ID, result, nil), nil
}

func (p *Proxy) setInitialized(encoding string) {
	if encoding == "" {
		encoding = "utf-16"
	}
	p.docs.setEncoding(encoding)
	p.mu.Lock()
	p.editorInfo.PositionEncoding = encoding
	p.editorInfo.Initialized = true
	p.mu.Unlock()
}

func (p *Proxy) commandNames() []string {
	return slices.Sorted(maps.Keys(p.commands))
}

// ownCapabilities is the initialize result when there is no server: the
// proxy's commands, and full document sync so that documents are tracked.
func (p *Proxy) ownCapabilities() map[string]any {
	return map[string]any{
		"capabilities": map[string]any{
			"textDocumentSync":       map[string]any{"openClose": true, "change": 2},
			"executeCommandProvider": map[string]any{"commands": p.commandNames()},
		},
		"serverInfo": map[string]any{"name": "lspshare"},
	}
}

// runCommand answers workspace/executeCommand for the proxy's own commands,
// on a goroutine so the relay goes on. It reports whether it took the request.
func (p *Proxy) runCommand(msg frame.Message) bool {
	var params struct {
		Command   string            `json:"command"`
		Arguments []json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(msg.Params, &params); err != nil {
		return false // the server will answer the malformed request
	}
	cmd, ok := p.commands[params.Command]
	if !ok {
		return false
	}
	p.work.Add(1)
	go func() {
		defer p.work.Done()
		result, err := cmd(p.ctx, params.Arguments)
		p.writeEditor(frame.Response(msg.ID, result, err))
		if p.cfg.OnAnswered != nil {
			p.cfg.OnAnswered(p.ctx)
		}
	}()
	return true
}
