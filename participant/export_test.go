package participant

// CursorInterval is how long cursor updates are held back at most.
const CursorInterval = cursorInterval
