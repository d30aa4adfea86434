from saohei.analysis.union_find import UnionFind


def test_a_sets_root_is_its_smallest_key_whatever_the_order_of_unions():
    keys: UnionFind[str] = UnionFind()
    keys.union("d", "c")
    keys.union("b", "d")
    keys.union("x", "y")

    assert [keys.find(key) for key in "bcdxy"] == ["b", "b", "b", "x", "x"]


def test_keys_are_listed_in_the_order_first_named_and_sets_by_their_first_key():
    persons: UnionFind[int] = UnionFind([9])
    persons.union(5, 3)
    persons.union(7, 9)

    assert list(persons) == [9, 5, 3, 7]
    assert persons.sets() == [{9, 7}, {5, 3}]


def test_a_key_never_joined_is_a_set_of_its_own():
    persons: UnionFind[int] = UnionFind([1, 2])
    persons.union(1, 1)

    assert persons.find(4) == 4
    assert persons.sets() == [{1}, {2}, {4}]
