package bot_test

import (
	"strings"
	"testing"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// TestReportCommand: /report in the triage chat sends the report of the
// month before as a document there, /report 2026-01 that month's; a month
// it cannot read gets the usage; a direction's chat is told where to ask.
func TestReportCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	triage := h.srv.NewGroup("Операторы")
	h.bind(triage, 0, "triage")
	op := h.srv.NewUser("Оператор")
	h.grant(op, workflow.RoleOperator, "")

	for _, c := range []struct{ command, file string }{
		{"/report", "mcu-report-2026-02.xlsx"}, // the clock is in March 2026
		{"/report 2026-01", "mcu-report-2026-01.xlsx"},
	} {
		asked := h.srv.SendText(op, c.command, telegramtest.In(triage))
		doc := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(asked), telegramtest.SentTo(triage.ID)))
		if doc.Document == nil || doc.Document.FileName != c.file {
			t.Errorf("%s: got %v, want the document %s", c.command, doc, c.file)
			continue
		}
		if data, ok := h.srv.FileData(doc.Document.FileID); !ok || !strings.HasPrefix(string(data), "PK") {
			t.Errorf("%s: the document is not an XLSX (zip) file", c.command)
		}
	}
	if got := h.say(op, "/report январь", telegramtest.In(triage)); !strings.Contains(got.Text, "/report 2026-11") {
		t.Errorf("/report январь answered %q, want the usage", got.Text)
	}
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	if got := h.say(op, "/report", telegramtest.In(housing)); !strings.Contains(got.Text, "в чате главы") || got.Document != nil {
		t.Errorf("/report in a direction chat answered %v", got)
	}
}
