// Package layout holds the tests of the repository's shape: which package
// may import which (the arrows point inward, to the domain), that the
// README's diagram of it is current, and that every Russian word people
// see lives in the text catalogue (render/texts*.go). It has no code.
package layout
