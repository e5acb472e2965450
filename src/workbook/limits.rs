//! What the reader accepts from a workbook, in one place. Past any of these a file,
//! a sheet or a cell gets an error that names it (kind `TooLarge`), rather than the
//! process allocating what a damaged or hostile file declares.

/// Inflated size of one part of an .xlsx/.xlsb/.ods package (a sheet's XML, the
/// shared strings). A commune's largest real sheet is a few megabytes.
pub const MAX_PART_BYTES: u64 = 256 << 20;

/// Inflated size of all the parts of a package together.
pub const MAX_PACKAGE_BYTES: u64 = 1 << 30;

/// Cells of a sheet's used box (rows × columns from its first to its last value):
/// a sheet past it is not read; using it is an error, `inspect` says it is too large.
pub const MAX_SHEET_CELLS: u64 = 5_000_000;

/// Cells of all the sheets of a workbook together (about 40 bytes each in memory).
pub const MAX_BOOK_CELLS: u64 = 10_000_000;

/// Characters of one cell's text (Excel's own limit).
pub const MAX_CELL_CHARS: usize = 32_767;

/// Decimals a number format can ask for (Excel shows at most 15 significant digits).
pub const MAX_DECIMALS: u8 = 15;
