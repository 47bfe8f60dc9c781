// Package widget is ChatKit's widget vocabulary: the components ([Text],
// [Title], [Button], [Form], ...) and roots ([Card], [ListView], [Basic]) of
// the widgets a chat shows, and their actions ([Action]), with the JSON
// ChatKit.js expects. It uses only the standard library and the wire
// helpers it shares with package chatkit; chatkit's widget item and widget
// updates carry a [Root].
package widget
