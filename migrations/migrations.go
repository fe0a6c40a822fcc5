// Package migrations holds the database schema as numbered SQL files,
// embedded in the binary and applied with goose (see storage.Migrate).
//
// An applied migration is never edited: a change is a new file. Numbers
// are given out ahead to the branches that write them, so a file may land
// after a higher one was applied; it is applied then (out of order), and
// must not depend on the migrations numbered above it.
package migrations

import "embed"

// FS holds the migration files, NNNNN_name.sql, in goose's format.
//
//go:embed *.sql
var FS embed.FS
