// Package migrations holds the database schema as numbered SQL files,
// embedded in the binary and applied with goose (see storage.Migrate).
//
// An applied migration is never edited: a change is a new file.
package migrations

import "embed"

// FS holds the migration files, NNNNN_name.sql, in goose's format.
//
//go:embed *.sql
var FS embed.FS
