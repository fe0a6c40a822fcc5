package render

import (
	"slices"
	"time"
	"unicode/utf16"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// UniqueDigestCard is the callback of a digest's button that opens an
// appeal's card; its data is the appeal's number ("2026-000017").
const UniqueDigestCard = "dgc"

// digestButtonsPerRow is how many numbers share a row of buttons.
const digestButtonsPerRow = 3

// Digest renders the head's daily digest d: its text (Russian, one phone
// screen, dates in loc) and a button per appeal it names, overdue then
// escalated (once when it is both), which sends that appeal's card to the
// chat where it is pressed (bot handles UniqueDigestCard).
func Digest(d workflow.Digest, loc *time.Location) (string, *tele.ReplyMarkup) {
	markup := &tele.ReplyMarkup{}
	var row []tele.InlineButton
	for _, number := range digestNumbers(d) {
		row = append(row, tele.InlineButton{Unique: UniqueDigestCard, Text: number, Data: number})
		if len(row) == digestButtonsPerRow {
			markup.InlineKeyboard = append(markup.InlineKeyboard, row)
			row = nil
		}
	}
	if len(row) > 0 {
		markup.InlineKeyboard = append(markup.InlineKeyboard, row)
	}
	return digestText(d, loc), markup
}

// digestNumbers are the numbers of the appeals the digest names: the
// overdue ones, then the escalated ones not among them.
func digestNumbers(d workflow.Digest) []string {
	var out []string
	for _, a := range d.Worst {
		out = append(out, a.Number)
	}
	for _, e := range d.Escalations {
		if !slices.Contains(out, e.Number) {
			out = append(out, e.Number)
		}
	}
	return out
}

// FitsCaption reports whether text fits the caption of a photo (1024
// UTF-16 code units, as Telegram counts them), so that the digest and
// its chart can go as one message.
func FitsCaption(text string) bool {
	return len(utf16.Encode([]rune(text))) <= maxCaptionRunes
}
