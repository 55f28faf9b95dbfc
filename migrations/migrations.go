// Package migrations embeds the goose SQL migrations so the binary and the
// tests apply exactly the same files.
package migrations

import "embed"

// FS holds every *.sql migration, in goose's file-name order.
//
//go:embed *.sql
var FS embed.FS
