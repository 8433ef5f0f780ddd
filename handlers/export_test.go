package handlers

// WriteAnswerUpdates is writeAnswerUpdates, for the tests of package handlers_test.
const WriteAnswerUpdates = writeAnswerUpdates
