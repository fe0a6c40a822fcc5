package digest

import (
	"mcu/outbox"
	"mcu/render"
)

// Prepared is the digest as the outbox sends it: the chart with the text
// as its caption and the buttons under it, in one message; or, when the
// text is too long for a caption, the chart and then the text with its
// buttons. A note, when not empty, leads the text (a late digest says
// so).
func (m Message) Prepared(note string) outbox.Prepared {
	text := m.Text
	if note != "" {
		text = note + "\n" + text
	}
	p := outbox.Prepared{Buttons: buttons(m)}
	if render.FitsCaption(text) {
		p.File = &outbox.File{Kind: outbox.FilePhoto, Caption: text, Data: m.Chart}
		return p
	}
	p.File = &outbox.File{Kind: outbox.FilePhoto, Caption: render.DigestChartCaption, Data: m.Chart}
	p.Text = text
	return p
}

// buttons are the message's inline buttons as the outbox keeps them.
func buttons(m Message) [][]outbox.Button {
	if m.Markup == nil {
		return nil
	}
	var rows [][]outbox.Button
	for _, row := range m.Markup.InlineKeyboard {
		var r []outbox.Button
		for _, b := range row {
			r = append(r, outbox.Button{Text: b.Text, Unique: b.Unique, Data: b.Data})
		}
		rows = append(rows, r)
	}
	return rows
}
