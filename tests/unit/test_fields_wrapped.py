"""Tables whose text layer puts every cell on its own line, header cells wrapped over two lines."""

from ingest.fields import extract_fields


def test_a_header_cell_wrapped_over_two_lines_is_one_column():
    page = ("BIÊN BẢN KIỂM KÊ TRANG BỊ KỸ THUẬT\nĐơn vị: Trung đoàn 48, Sư đoàn 320\n TT\nTên trang bị\nKý hiệu\n"
            "Số hiệu\nCấp\nSố\nlượng\n1\nXe chiến đấu bộ binh\nBMP-1\nBMP-1\nBMP1-2960\n2\n01\nCộng\n01\n")
    got = {name: value.value for name, value in extract_fields([page]).items()}
    assert got["name"] == "Xe chiến đấu bộ binh BMP-1"  # not "Số lượng 1 Xe chiến đấu ..."
    assert got["serial_number"] == "BMP1-2960"
    assert got["designation"] == "BMP-1"
    assert got["quality_grade"] == 2
