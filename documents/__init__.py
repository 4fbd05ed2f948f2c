"""Official documents a case produces (受理通知书, 批复, 决定书 …): built from the case view (builders), laid out
after GB/T 9704 and rendered to PDF with WeasyPrint (render), issued once per case and kind with a number, a date,
a verification code and a QR code, and recorded with their SHA-256 in the file store and the audit chain (issue)."""
