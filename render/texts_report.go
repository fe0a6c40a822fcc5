package render

import (
	"fmt"
	"time"

	"mcu/workflow"
)

// The monthly report for the ЦУР (package report): sheet names, titles,
// column headings and the words of its cells. The workbook's layout is
// report's; its words are here.

// Sheets of the monthly report, in their order.
const (
	ReportSheetSummary   = "Сводка"
	ReportSheetAppeals   = "Обращения"
	ReportSheetQuality   = "Качество"
	ReportSheetReturns   = "Возвраты"
	ReportSheetIncidents = "Инциденты"
)

// Words of the report's cells.
const (
	ReportTotal      = "Итого"
	ReportYes        = "да"
	ReportNo         = "нет"
	ReportNoExecutor = "не назначен"
	ReportChartTitle = "Поступило и отвечено в срок по направлениям"
)

// monthNames are the months in the nominative, as a report's title has
// them: «за ноябрь 2026 г.».
var monthNames = [...]string{
	"январь", "февраль", "март", "апрель", "май", "июнь",
	"июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
}

// ReportTitle is the title of every sheet of the report of a month.
func ReportTitle(year int, month time.Month) string {
	return fmt.Sprintf("Отчёт МЦУ по обращениям граждан за %s %d г.", monthNames[month-1], year)
}

// ReportPeriod says which appeals a report counts and when its figures
// were taken: first and last are the month's days, asOf the report's time.
func ReportPeriod(first, last, asOf time.Time, loc *time.Location) string {
	return fmt.Sprintf("Обращения, поступившие с %s по %s; состояние на %s %s (%s).",
		FormatDate(first, loc), FormatDate(last, loc), FormatDate(asOf, loc), asOf.In(loc).Format("15:04"), loc)
}

// ReportExecutor names an executor in the quality sheet: the name the
// staff member gave, or the Telegram id when there is none.
func ReportExecutor(id int64, name string) string {
	switch {
	case id == 0:
		return ReportNoExecutor
	case name == "":
		return fmt.Sprintf("id %d", id)
	}
	return name
}

// ReportKindHeading and ReportSourceHeading head the summary's columns
// of appeals received by kind and by channel.
func ReportKindHeading(k workflow.Kind) string { return "Вид: " + kindNames[k] }

// ReportSourceHeading heads the summary's column of a channel.
func ReportSourceHeading(s workflow.Source) string { return "Канал: " + sourceNames[s] }

// Headings of the summary after the kinds and channels, in their order.
const (
	ReportColDirection       = "Направление"
	ReportColReceived        = "Поступило, всего"
	ReportColAnswered        = "Дан ответ"
	ReportColOnTime          = "Ответ в срок"
	ReportColOverdue         = "Срок нарушен"
	ReportColAverageDays     = "Среднее время ответа, раб. дн."
	ReportColMedianDays      = "Медиана времени ответа, раб. дн."
	ReportColReopened        = "Возобновлено"
	ReportColAverageRating   = "Средняя оценка"
	ReportColShareHigh       = "Доля оценок 4–5"
	ReportColLateRegistered  = "Зарегистрировано позже 3 дней"
	ReportColRatings         = "Оценок"
	ReportColReturned        = "Возвращено проектов"
	ReportColReopenRate      = "Доля возобновлённых"
	ReportColExecutor        = "Исполнитель"
	ReportColReason          = "Причина возврата"
	ReportColCount           = "Количество"
	ReportColNumber          = "Номер"
	ReportColReceivedAt      = "Поступило"
	ReportColRegisteredAt    = "Зарегистрировано"
	ReportColKind            = "Вид"
	ReportColSource          = "Канал"
	ReportColState           = "Состояние"
	ReportColDueAt           = "Срок ответа"
	ReportColExtended        = "Срок продлён"
	ReportColAnsweredAt      = "Дата ответа"
	ReportColDaysTaken       = "Срок рассмотрения, раб. дн."
	ReportColAnsweredOnTime  = "В срок"
	ReportColReopenCount     = "Возобновлений"
	ReportColRating          = "Оценка (последняя)"
	ReportColReturnedAt      = "Дата возврата"
	ReportColReturnedBy      = "Вернул"
	ReportColReturnedByRole  = "Роль"
	ReportColReasonText      = "Формулировка"
	ReportColIncident        = "Инцидент"
	ReportColMadeAt          = "Создан"
	ReportColTerm            = "Ожидаемый срок"
	ReportColGathered        = "Обращений объединено"
	ReportColAnsweredByIt    = "Из них отвечено ответом инцидента"
	ReportQualityByDirection = "Качество ответов по направлениям"
	ReportQualityByExecutor  = "Оценки по исполнителям"
	ReportQualityByReason    = "Возвраты проектов кураторами по причинам (список — на листе «Возвраты»)"
)

// ReportStateName is an appeal's state in the appeals sheet.
func ReportStateName(s workflow.State) string { return stateNames[s] }

// ReportIncidentStateName is an incident's state in the incidents sheet.
func ReportIncidentStateName(s workflow.IncidentState) string { return incidentStateNames[s] }

// ReportKindName is an appeal's kind in the appeals sheet.
func ReportKindName(k workflow.Kind) string { return kindNames[k] }

// ReportReturnReason is the label of a return reason from its stored
// wording: the listed reason's label, or «Свой комментарий» for a
// curator's own words.
func ReportReturnReason(wording string) string {
	for _, r := range returnReasons {
		if r.text == wording {
			return r.Label
		}
	}
	return LabelComment
}

// ReportReturnReasonLabels are the labels ReportReturnReason gives, in
// the order the quality sheet lists them.
func ReportReturnReasonLabels() []string {
	out := make([]string, 0, len(returnReasons)+1)
	for _, r := range returnReasons {
		out = append(out, r.Label)
	}
	return append(out, LabelComment)
}

// ReportCaption is the caption of the monthly report sent as a document.
func ReportCaption(year int, month time.Month) string {
	return fmt.Sprintf("Отчёт МЦУ за %s %d г. (для ЦУР)", monthNames[month-1], year)
}

// Texts of /report.
const (
	TextReportUsage   = "Отчёт за месяц: /report 2026-11 (без месяца — за прошлый)."
	TextReportNotHere = "Отчёт можно запросить в чате главы, руководителя МЦУ или операторов."
)
