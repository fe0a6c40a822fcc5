package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"mcu/internal/dbtest"
	"mcu/render"
	"mcu/report"
	"mcu/storage"
	"mcu/workflow"
)

var msk = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

var november = report.Month{Year: 2026, Month: time.November}

// asOf is when the tests' reports are made.
var asOf = time.Date(2026, 12, 3, 10, 0, 0, 0, msk)

func options() report.Options {
	return report.Options{Location: msk, Calendar: workflow.NewCalendar(nil, nil), Now: func() time.Time { return asOf }}
}

// seedNovember writes the appeals counted by hand in TestReportSumsEqualHandCount.
// Times are Moscow's; 4 November 2026 (a Wednesday) is a holiday.
func seedNovember(t *testing.T, db *storage.DB) {
	t.Helper()
	dbtest.Exec(t, db, `UPDATE directions SET active = false WHERE code = 'property'`)
	dbtest.Exec(t, db, `INSERT INTO staff (user_id, name) VALUES (501, 'Петров'), (502, 'Сидорова'), (601, 'Кураторова')`)
	// id direction kind source state | received created=registered due answered | reopens executor
	// 1 housing: answered in 3 working days (4 Nov off), on time, rated 5.
	// 2 housing: answered late (12 working days), rated 2, reopened, rated 4; a draft returned.
	// 3 housing: a letter received on 5 Nov, registered on 10 Nov: late; open, not yet due.
	// 4 social: ПОС received 20 Nov, registered 23 Nov (3 days: in time); open past its deadline; a draft returned.
	// 5 social: an incident answered the same day, rated 3.
	// 6 triage: a bot message at 23:00 on 30 Nov, open.
	// 7 politics: rejected after its deadline passed: closed, not overdue.
	// 8 housing: 23:30 on 31 Oct: October's. 9 housing: midnight of 1 Dec: December's.
	// SET LOCAL: only the seeding reads its times in Moscow; the report
	// gets them in the server's zone, and must show Moscow's wall clock.
	dbtest.Exec(t, db, `SET LOCAL TIME ZONE 'Europe/Moscow';
		INSERT INTO appeals (id, year, seq, kind, source, state, direction, text, created_at, updated_at,
			received_at, registered_at, due_at, answered_at, closed_at, reopen_count, executor_id)
		VALUES
		(1, 2026, 1, 'message',  'bot',    'closed',      'housing',  't', '2026-11-02 10:00', now(), NULL,               '2026-11-02 10:00', '2026-11-16 23:59:59', '2026-11-06 12:00', '2026-11-07 09:00', 0, 501),
		(2, 2026, 2, 'message',  'bot',    'answered',    'housing',  't', '2026-11-03 09:00', now(), NULL,               '2026-11-03 09:00', '2026-11-18 23:59:59', '2026-11-20 10:00', NULL,               1, 501),
		(3, 2026, 3, 'appeal59', 'email',  'in_progress', 'housing',  't', '2026-11-10 11:00', now(), '2026-11-05 00:00', '2026-11-10 11:00', '2026-12-10 23:59:59', NULL,               NULL,               0, 502),
		(4, 2026, 4, 'appeal59', 'pos',    'in_progress', 'social',   't', '2026-11-23 09:00', now(), '2026-11-20 00:00', '2026-11-23 09:00', '2026-11-25 23:59:59', NULL,               NULL,               0, 503),
		(5, 2026, 5, 'incident', 'social', 'answered',    'social',   't', '2026-11-27 08:00', now(), NULL,               '2026-11-27 08:00', '2026-11-28 08:00',    '2026-11-27 20:00', NULL,               0, 503),
		(6, 2026, 6, 'message',  'bot',    'registered',  NULL,       't', '2026-11-30 23:00', now(), NULL,               '2026-11-30 23:00', '2026-12-14 23:59:59', NULL,               NULL,               0, NULL),
		(7, 2026, 7, 'message',  'bot',    'rejected',    'politics', 't', '2026-11-15 12:00', now(), NULL,               '2026-11-15 12:00', '2026-11-27 23:59:59', NULL,               '2026-11-30 09:00', 0, NULL),
		(8, 2026, 8, 'message',  'bot',    'answered',    'housing',  't', '2026-10-31 23:30', now(), NULL,               '2026-10-31 23:30', '2026-11-16 23:59:59', '2026-11-02 10:00', NULL,               0, 501),
		(9, 2026, 9, 'message',  'bot',    'assigned',    'housing',  't', '2026-12-01 00:00', now(), NULL,               '2026-12-01 00:00', '2026-12-15 23:59:59', NULL,               NULL,               0, 501)`)
	dbtest.Exec(t, db, `SET LOCAL TIME ZONE 'Europe/Moscow';
		INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload) VALUES
		(1, '2026-11-06 13:00', 'resident', 9, '', 'rate', 'answered', 'answered', '{"rating": 5}'),
		(2, '2026-11-10 10:00', 'staff', 601, 'curator', 'return', 'on_approval', 'in_progress', '{"reason": "отписка: ответ не по существу вопроса"}'),
		(2, '2026-11-20 11:00', 'resident', 9, '', 'rate', 'answered', 'answered', '{"rating": 2}'),
		(2, '2026-11-20 11:01', 'resident', 9, '', 'reopen', 'answered', 'reopened', '{"solved": "no"}'),
		(2, '2026-11-24 11:00', 'resident', 9, '', 'rate', 'answered', 'answered', '{"rating": 4}'),
		(4, '2026-11-24 15:00', 'staff', 602, 'admin', 'return', 'on_approval', 'in_progress', '{"reason": "Приложите фото"}'),
		(5, '2026-11-27 21:00', 'resident', 9, '', 'rate', 'answered', 'answered', '{"rating": 3}'),
		(8, '2026-11-02 10:00', 'staff', 601, 'curator', 'return', 'on_approval', 'in_progress', '{"reason": "в ответе есть противоречия"}'),
		(8, '2026-11-02 11:00', 'resident', 9, '', 'rate', 'answered', 'answered', '{"rating": 1}')`)
	// Incidents: «Пожар на складе» (social) made at 09:00 on 27 Nov
	// gathered 4 and 5; 4 was detached, 5 answered by it at 20:00 (its
	// answered_at: an incident's answer is an answer like any other).
	// «Старый» was made in October and is not the month's.
	dbtest.Exec(t, db, `SET LOCAL TIME ZONE 'Europe/Moscow';
		INSERT INTO incidents (id, direction, title, expected_at, state, created_by, created_at, answered_at) VALUES
		(1, 'social', 'Пожар на складе', '2026-11-27 18:00', 'answered', 601, '2026-11-27 09:00', '2026-11-27 20:00'),
		(2, 'housing', 'Старый', NULL, 'open', 601, '2026-10-30 09:00', NULL);
		INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload) VALUES
		(4, '2026-11-27 09:00', 'staff', 601, 'curator', 'join_incident', 'in_progress', 'in_progress', '{"incident": 1}'),
		(5, '2026-11-27 09:00', 'staff', 601, 'curator', 'join_incident', 'assigned', 'assigned', '{"incident": 1}'),
		(4, '2026-11-27 10:00', 'staff', 601, 'curator', 'leave_incident', 'in_progress', 'in_progress', '{"incident": 1}'),
		(5, '2026-11-27 20:00', 'staff', 601, 'curator', 'answer_incident', 'assigned', 'answered', '{"incident": 1, "text": "t"}')`)
}

// book writes the report of month and opens it again.
func book(t *testing.T, db *storage.DB, month report.Month) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(context.Background(), &buf, month, db, options()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("the report does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, buf.Bytes()
}

// rows reads a sheet's raw values: numbers unformatted, as stored.
func rows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rs, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// table returns the rows of a table that starts with a heading row whose
// first cell is first, up to the first empty row, keyed by their first cell.
func table(t *testing.T, rs [][]string, first string, from int) (map[string][]string, []string) {
	t.Helper()
	out, order := map[string][]string{}, []string{}
	start := -1
	for i := from; i < len(rs); i++ {
		if len(rs[i]) > 0 && rs[i][0] == first {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("no table headed %q", first)
	}
	heads := rs[start]
	for _, r := range rs[start+1:] {
		if len(r) == 0 || r[0] == "" {
			break
		}
		row := make([]string, len(heads))
		copy(row, r)
		out[r[0]] = row
		order = append(order, r[0])
	}
	return out, order
}

// num parses a cell; an empty one is -1, «nothing to show».
func num(t *testing.T, s string) float64 {
	t.Helper()
	if s == "" {
		return -1
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("cell %q is not a number", s)
	}
	return v
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// TestReportSumsEqualHandCount reads the workbook back and compares every
// figure of the summary and the quality sheet with a count by hand of
// seedNovember's appeals, and the lists with the appeals and returns.
func TestReportSumsEqualHandCount(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	seedNovember(t, db)
	f, _ := book(t, db, november)

	if got, want := f.GetSheetList(), []string{render.ReportSheetSummary, render.ReportSheetAppeals, render.ReportSheetQuality,
		render.ReportSheetReturns, render.ReportSheetIncidents}; !cmp.Equal(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	checkSummary(t, rows(t, f, render.ReportSheetSummary))
	checkQuality(t, rows(t, f, render.ReportSheetQuality))
	checkAppeals(t, rows(t, f, render.ReportSheetAppeals))
	checkReturns(t, rows(t, f, render.ReportSheetReturns))
	checkIncidents(t, f)
}

// checkIncidents: the month's incident with the appeals it gathered and
// answered, then the total.
func checkIncidents(t *testing.T, f *excelize.File) {
	t.Helper()
	rs := rows(t, f, render.ReportSheetIncidents)
	if len(rs) != 3 {
		t.Fatalf("incidents sheet: %q, want a heading, 1 incident and the total", rs)
	}
	if r := rs[1]; len(r) != 8 || r[0] != "Пожар на складе" || r[1] != "Безопасность, социальная политика, образование, культура и спорт" ||
		r[4] != "ответ дан" || r[6] != "2" || r[7] != "1" {
		t.Errorf("the incident: %q", r)
	}
	if made, _ := f.GetCellValue(render.ReportSheetIncidents, "C2"); made != "27.11.2026 09:00" {
		t.Errorf("made shown as %q", made)
	}
	if r := rs[2]; len(r) != 8 || r[0] != render.ReportTotal || r[2] != "1" || r[6] != "2" || r[7] != "1" {
		t.Errorf("the incidents' total: %q", r)
	}
}

func checkSummary(t *testing.T, rs [][]string) {
	t.Helper()
	if !strings.Contains(rs[0][0], "ноябрь 2026") || !strings.Contains(rs[1][0], "03.12.2026 10:00") {
		t.Errorf("title %q, period %q", rs[0][0], rs[1][0])
	}
	byDir, order := table(t, rs, render.ReportColDirection, 0)
	wantOrder := []string{"Внутренняя политика", "Безопасность, социальная политика, образование, культура и спорт", "ЖКХ",
		"Экономика и финансы", render.DirectionName("", nil), render.ReportTotal}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Errorf("summary rows (-want +got); property is inactive and empty:\n%s", diff)
	}
	// Received; kinds: message, appeal59, incident; channels: bot, pos,
	// social, phone, in person, email; answered, on time, overdue, average
	// and median days, reopened, average rating, share of 4–5, late
	// registrations. -1: empty, nothing to average.
	want := map[string][]float64{
		"Внутренняя политика": {1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0, -1, -1, 0},
		"Безопасность, социальная политика, образование, культура и спорт": {2, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 3, 0, 0},
		"ЖКХ":                         {3, 2, 1, 0, 2, 0, 0, 0, 0, 1, 2, 1, 1, 7.5, 7.5, 1, 3.667, 0.667, 1},
		"Экономика и финансы":         {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0, -1, -1, 0},
		render.DirectionName("", nil): {1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0, -1, -1, 0},
		render.ReportTotal:            {7, 4, 2, 1, 4, 1, 1, 0, 0, 1, 3, 2, 2, 5, 3, 1, 3.5, 0.5, 1},
	}
	for label, w := range want {
		row := byDir[label]
		if len(row) != len(w)+1 {
			t.Errorf("%s: %d cells, want %d", label, len(row), len(w)+1)
			continue
		}
		for i, v := range w {
			if got := round(num(t, row[i+1])); got != v {
				t.Errorf("%s, %s: %v, want %v", label, rs[3][i+1], got, v)
			}
		}
	}
	// The total's counts are the sums of the directions' (columns 14, 15,
	// 17 and 18 are averages and shares).
	for col := 1; col < len(rs[3]); col++ {
		if col == 14 || col == 15 || col == 17 || col == 18 {
			continue
		}
		sum := 0.0
		for _, label := range order[:len(order)-1] {
			sum += num(t, byDir[label][col])
		}
		if total := num(t, byDir[render.ReportTotal][col]); total != sum {
			t.Errorf("%s: total %v, sum of directions %v", rs[3][col], total, sum)
		}
	}
}

func checkQuality(t *testing.T, rs [][]string) {
	t.Helper()
	byDir, _ := table(t, rs, render.ReportColDirection, 0)
	// Answered, returned, reopened, reopen rate, ratings, average, share 4–5.
	want := map[string][]float64{
		"ЖКХ": {2, 1, 1, 0.5, 3, 3.667, 0.667},
		"Безопасность, социальная политика, образование, культура и спорт": {1, 1, 0, 0, 1, 3, 0},
		render.ReportTotal: {3, 2, 1, 0.333, 4, 3.5, 0.5},
	}
	checkRows(t, byDir, want)
	byExec, order := table(t, rs, render.ReportColExecutor, 0)
	if diff := cmp.Diff([]string{"id 503", "Петров", "Сидорова"}, order); diff != "" {
		t.Errorf("executors (-want +got):\n%s", diff)
	}
	checkRows(t, byExec, map[string][]float64{
		"Петров":   {2, 1, 0.5, 3, 3.667, 0.667},
		"Сидорова": {0, 0, -1, 0, -1, -1},
		"id 503":   {1, 0, 0, 1, 3, 0},
	})
	byReason, order := table(t, rs, render.ReportColReason, 0)
	if len(order) != len(render.ReportReturnReasonLabels())+1 {
		t.Errorf("reasons %q", order)
	}
	for label, n := range map[string]float64{"Отписка": 1, render.LabelComment: 1, "Противоречия": 0, render.ReportTotal: 2} {
		if got := num(t, byReason[label][1]); got != n {
			t.Errorf("returns for %q: %v, want %v", label, got, n)
		}
	}
}

func checkRows(t *testing.T, got map[string][]string, want map[string][]float64) {
	t.Helper()
	for label, w := range want {
		row := got[label]
		if len(row) < len(w)+1 {
			t.Errorf("%s: row %q", label, row)
			continue
		}
		for i, v := range w {
			if g := round(num(t, row[i+1])); g != v {
				t.Errorf("%s, column %d: %v, want %v", label, i+2, g, v)
			}
		}
	}
}

func checkAppeals(t *testing.T, rs [][]string) {
	t.Helper()
	var numbers []string
	for _, r := range rs[1:] {
		numbers = append(numbers, r[0])
	}
	// In order of receipt: the letter of 5 Nov before the rejected message of 15 Nov.
	want := []string{"2026-000001", "2026-000002", "2026-000003", "2026-000007", "2026-000004", "2026-000005", "2026-000006"}
	if diff := cmp.Diff(want, numbers); diff != "" {
		t.Fatalf("appeals (-want +got):\n%s", diff)
	}
	second := rs[2]
	if second[3] != "ЖКХ" || second[10] != "12" || second[11] != render.ReportNo || second[12] != "1" || second[13] != "4" {
		t.Errorf("appeal 2: %q", second)
	}
	// Dates are spreadsheet dates of Moscow's wall clock: 2 Nov 2026 10:00.
	if v := num(t, rs[1][1]); v < 46328.416 || v > 46328.417 {
		t.Errorf("appeal 1 received at serial %v, want 46328.4167 (02.11.2026 10:00)", v)
	}
	for _, r := range rs {
		for _, c := range r {
			if c == "t" {
				t.Fatalf("an appeal's text is in the list: %q", r)
			}
		}
	}
}

func checkReturns(t *testing.T, rs [][]string) {
	t.Helper()
	if len(rs) != 3 {
		t.Fatalf("returns sheet: %q, want a heading and 2 rows", rs)
	}
	if r := rs[1]; r[0] != "2026-000002" || r[3] != "Кураторова" || r[5] != "Отписка" {
		t.Errorf("first return %q", r)
	}
	if r := rs[2]; r[0] != "2026-000004" || r[3] != "id 602" || r[5] != render.LabelComment || r[6] != "Приложите фото" {
		t.Errorf("second return %q", r)
	}
}

// TestReportLayout: headings frozen, widths set, number and date formats,
// and the chart on the summary.
func TestReportLayout(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	seedNovember(t, db)
	f, raw := book(t, db, november)
	for sheet, cell := range map[string]string{render.ReportSheetSummary: "B5", render.ReportSheetAppeals: "B2", render.ReportSheetReturns: "B2"} {
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.TopLeftCell != cell {
			t.Errorf("%s: panes %+v (%v), want frozen at %s", sheet, panes, err, cell)
		}
	}
	if w, _ := f.GetColWidth(render.ReportSheetAppeals, "D"); w < 20 {
		t.Errorf("direction column %v wide", w)
	}
	formatted, err := f.GetCellValue(render.ReportSheetAppeals, "B2")
	if err != nil || formatted != "02.11.2026 10:00" {
		t.Errorf("appeal 1 received shown as %q (%v)", formatted, err)
	}
	share, _ := f.GetCellValue(render.ReportSheetSummary, "S10")
	if share != "50.0%" {
		t.Errorf("total share of 4–5 shown as %q", share)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var chart string
	for _, file := range zr.File {
		if strings.HasPrefix(file.Name, "xl/charts/chart") {
			rc, _ := file.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			chart = string(b)
		}
	}
	if !strings.Contains(chart, "$A$5:$A$9") || !strings.Contains(chart, "$M$5:$M$9") || !strings.Contains(chart, "<barChart>") {
		t.Errorf("no bar chart of received and answered on time by direction in the workbook:\n%.600s", chart)
	}
	sheet1 := readZip(t, zr, "xl/worksheets/sheet1.xml")
	if !strings.Contains(sheet1, "<drawing ") {
		t.Errorf("the summary does not show the chart")
	}
}

func readZip(t *testing.T, zr *zip.Reader, name string) string {
	t.Helper()
	for _, file := range zr.File {
		if file.Name == name {
			rc, err := file.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no %s in the workbook", name)
	return ""
}

// TestReportOfEmptyMonth: a month with no appeals is a report of zeros.
func TestReportOfEmptyMonth(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	seedNovember(t, db)
	f, _ := book(t, db, report.Month{Year: 2026, Month: time.September})
	byDir, _ := table(t, rows(t, f, render.ReportSheetSummary), render.ReportColDirection, 0)
	total := byDir[render.ReportTotal]
	if len(total) != 20 || total[1] != "0" || total[11] != "0" || total[14] != "" || total[17] != "" {
		t.Errorf("total of an empty month: %q", total)
	}
	if rs := rows(t, f, render.ReportSheetAppeals); len(rs) != 1 {
		t.Errorf("appeals of an empty month: %q", rs)
	}
}
