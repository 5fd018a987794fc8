"""The hospital system's link (HIS): bills pushed over a local HTTP interface or a watched folder, kept in the
journal, and callbacks of what became of them (docs/his-integration.md). Qt-free."""
