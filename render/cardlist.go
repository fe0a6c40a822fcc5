package render

import (
	"strconv"
	"strings"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// UniqueCardPost is the callback of a list's button that posts the
// appeal's card with its photos in the chat; its data is the appeal's id.
const UniqueCardPost = "cpost"

// cardListButtonsPerRow is how many numbers share a row of a list's
// buttons.
const cardListButtonsPerRow = 3

// cardListLine is how much of an appeal's text a list shows.
const cardListLine = 70

// CardList renders the list that takes the place of new cards in a chat
// that cannot keep up: a line per appeal (its number and the start of its
// text) and a button per appeal that posts its card (bot handles
// UniqueCardPost). chat is the name of the chat's direction ("" for the
// triage chat).
func CardList(chat string, appeals []*workflow.Appeal) (string, *tele.ReplyMarkup) {
	var b strings.Builder
	b.WriteString(cardListTitle(chat, len(appeals)))
	b.WriteString("\n")
	markup := &tele.ReplyMarkup{}
	var row []tele.InlineButton
	for _, a := range appeals {
		b.WriteString("\n№ " + a.Number() + " — " + Shorten(oneLine(AppealText(a)), cardListLine))
		row = append(row, tele.InlineButton{Unique: UniqueCardPost, Text: "№ " + a.Number(), Data: strconv.FormatInt(a.ID, 10)})
		if len(row) == cardListButtonsPerRow {
			markup.InlineKeyboard = append(markup.InlineKeyboard, row)
			row = nil
		}
	}
	if len(row) > 0 {
		markup.InlineKeyboard = append(markup.InlineKeyboard, row)
	}
	b.WriteString("\n\n" + textCardListWhy)
	return b.String(), markup
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
