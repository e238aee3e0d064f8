package lsptest

import (
	"context"
	"encoding/json"
	"fmt"
)

// InitializeParams returns the initialize params of a capable modern editor
// opening the workspace at rootURI: workspace folders, configuration and
// dynamic registration, progress, showDocument, markdown hover and
// snippets, UTF-16 positions. It is a map so that tests can change it.
func InitializeParams(rootURI string) map[string]any {
	return map[string]any{
		"processId":  nil,
		"clientInfo": map[string]any{"name": "lsptest", "version": "1"},
		"rootUri":    rootURI,
		"workspaceFolders": []any{
			map[string]any{"uri": rootURI, "name": "work"},
		},
		"capabilities": map[string]any{
			"general": map[string]any{"positionEncodings": []string{"utf-16"}},
			"workspace": map[string]any{
				"configuration":          true,
				"workspaceFolders":       true,
				"didChangeConfiguration": map[string]any{"dynamicRegistration": true},
			},
			"window": map[string]any{
				"workDoneProgress": true,
				"showDocument":     map[string]any{"support": true},
			},
			"textDocument": map[string]any{
				"synchronization": map[string]any{"didSave": true},
				"hover":           map[string]any{"contentFormat": []string{"markdown", "plaintext"}},
				"completion": map[string]any{
					"completionItem": map[string]any{"snippetSupport": true},
				},
				"definition":         map[string]any{"linkSupport": false},
				"documentSymbol":     map[string]any{"hierarchicalDocumentSymbolSupport": true},
				"publishDiagnostics": map[string]any{"versionSupport": true},
			},
		},
	}
}

// Initialize sends initialize with params, then the initialized
// notification, and returns the initialize result.
func (c *Editor) Initialize(ctx context.Context, params any) (json.RawMessage, error) {
	result, err := c.Call(ctx, "initialize", params)
	if err != nil {
		return nil, fmt.Errorf("initialize: %w", err)
	}
	if err := c.Notify("initialized", struct{}{}); err != nil {
		return nil, err
	}
	return result, nil
}
