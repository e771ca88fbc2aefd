"""Movies: owners add them, anyone reads them."""

from __future__ import annotations

import falcon

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import representations
from boxoffice.entrypoints.http.auth import caller
from boxoffice.entrypoints.http.body import json_object, required
from boxoffice.entrypoints.http.paging import page_params, write_page
from boxoffice.entrypoints.http.params import integer


class MoviesResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        page = self._boxoffice.list_movies(**page_params(req))
        write_page(req, resp, page, representations.movie_json)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        actor = caller(self._boxoffice, req)
        body = json_object(req)
        movie = self._boxoffice.add_movie(
            actor,
            title=required(body, "title"),
            genre=required(body, "genre"),
            duration=required(body, "duration"),
        )
        resp.status = falcon.HTTP_201
        resp.location = f"/movies/{movie.id}"
        resp.media = representations.movie(movie)


class MovieResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response, movie_id: str) -> None:
        movie = self._boxoffice.get_movie(integer("movie_id", movie_id))
        resp.media = representations.movie(movie)
